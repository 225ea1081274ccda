"""Administrative areas (kecamatan, kelurahan), their boundaries, point-to-area lookup and h3 cells."""
