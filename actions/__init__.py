"""Custom actions of the STO-assistent (rasa-sdk). One module per concern."""
