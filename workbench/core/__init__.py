"""The pure core: text pipeline, agreement statistics, codebook rules, limits, domain errors.

Nothing here imports Flask, SQLAlchemy, the models or any area: it works on plain data.
"""
