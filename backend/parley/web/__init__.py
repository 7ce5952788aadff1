"""The HTTP edge: middlewares, REST and admin REST handlers, the /ws reader, schemas, static files."""
