"""newsbot: answers questions about a stored body of news articles."""

__version__ = "0.1.0"
