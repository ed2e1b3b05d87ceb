"""Depots, stock and reservations, placement, stocking and year-long simulation."""
