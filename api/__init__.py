"""The JSON API: the Chalice app (app.py), its local adapter and its packaging step."""
