"""Request and response bodies, by purpose (Create / Public / action bodies)."""
