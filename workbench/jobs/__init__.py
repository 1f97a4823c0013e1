"""Jobs area: long exports run outside the request, with their state in the database."""
