"""The dispatcher console: one offline page under ``/console`` over the REST API.

The page (``static/``) calls the public ``/v1`` API for actions (accept, plan, confirm,
override) and this package's read-only ``/console/api`` endpoints for the views the public API
does not give in one call: the queue with sites and plans, and the day board (timelines, map).
"""

from api.console.routes import router as router
