"""The shared Instagram Graph API client: authenticator, HTTP session, errors, pacing and batch requests."""
