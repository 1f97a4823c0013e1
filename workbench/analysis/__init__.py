"""Analysis area: co-occurrence and stance figures, and the workbook sheets built from them."""
