"""Domain of the dispatch optimiser: calendars, SLA clocks, tickets, plans and the CLI."""
