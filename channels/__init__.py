"""Rasa input channels that clean every message before it reaches NLU or the tracker store."""
