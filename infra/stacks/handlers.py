"""What the stacks deploy, by name: each function's handler and the API's routes.

Plain data, free of the CDK, so that tests and tools can name them without loading it (importing
aws_cdk costs ~3 s of CPU, in every pytest-xdist worker that collects a module naming them).
"""

COLLECTOR_HANDLER = "collector.lambda_handler.handler"
RENDER_HANDLER = "generator.lambda_handler.handler"
PROBE_HANDLER = "collector.lambda_handler.probe"
API_HANDLER = "app.app"  # api/app.py sits at the root of its bundle

ROUTES: dict[str, tuple[str, ...]] = {  # path -> methods, as the Chalice app routes them
    "/api/events": ("GET",),
    "/api/{name}": ("GET",),
    "/api/events/{name}": ("GET",),
    "/api/submissions": ("POST",),
    "/auth/login": ("GET",),
    "/auth/callback": ("GET",),
    "/auth/logout": ("POST",),
    "/submit": ("GET",),
    "/submit-group": ("GET",),
}
