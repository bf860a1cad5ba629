"""Singer target that writes to Instagram through the Graph API."""
