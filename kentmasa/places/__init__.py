"""Administrative areas (il, ilçe, mahalle), reverse geocoding and Turkish address parsing."""
