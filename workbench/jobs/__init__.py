"""Jobs area: slow work (large exports, large imports, long agreement reports) on the job queue,
with its state, caps and files in the database."""
