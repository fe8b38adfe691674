"""NiceGUI building blocks: each takes what it shows as arguments."""
