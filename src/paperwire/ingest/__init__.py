"""Paper sources (one module each: HTTP + parsing) and the normalising pipeline that stores them."""
