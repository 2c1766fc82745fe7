"""The public web pages: search and the product page a label's QR code opens."""
