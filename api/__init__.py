"""FastAPI application: REST for ticketing, the dispatcher console and auth."""
