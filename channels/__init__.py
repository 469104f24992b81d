"""The assistant's social-media channels: custom Rasa connectors configured from the environment.

credentials.yml names each connector by module path (``channels.meta.MessengerInput``, ...).
A connector reads its tokens and secrets from environment variables only; when they are
absent the channel is simply not enabled (one log line says so). Every webhook verifies
the platform's signature before anything reaches the assistant. See docs/channels.md.
"""
