"""The static site generator: store -> page contexts -> one Jinja2 environment -> a writer.

`build.build_site` is the entry point (the CLI, the render Lambda and the benchmark call it);
`writers` holds the folder and S3 outputs; `preview` serves a built folder.
"""
