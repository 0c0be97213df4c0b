"""HTTP helpers shared by both faces (the API under /api and /alora, the phone pages at /).

Below api/ and web/, above the services: reading bodies and uploads, admission for photo bodies,
bounded parameters, the full-disk error and the session cookie. Neither face imports the other.
"""
