"""File formats: readers and writers over plain data (xlsx, CSV, JSON, REFI-QDA).

They take and return plain values; they never import an area, the models or the database.
"""
