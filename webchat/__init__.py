"""The clinic's demo website with the rasa-webchat widget, served locally (no CDN). See webchat.app."""
