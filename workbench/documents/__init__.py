"""Documents area: importing, reading, correcting, deleting and re-segmenting documents."""
