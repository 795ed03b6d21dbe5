"""The outside world behind the ports the services use: databases, images, stores of keys."""
