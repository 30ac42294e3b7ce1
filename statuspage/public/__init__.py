"""The public side of status pages: the server-rendered page, history, incident pages, the Atom feed, the logo,
and the JSON in Atlassian Statuspage's public API v2 shape (docs/statuspage.md)."""
