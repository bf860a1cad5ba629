"""Singer tap for the Instagram Graph API."""
