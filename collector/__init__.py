"""The collector: fetch every group's feed, parse it, and bring the store up to date."""
