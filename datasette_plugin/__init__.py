"""Datasette front end of the archive: the nianbao plugin, the archived-copy route, app construction."""
