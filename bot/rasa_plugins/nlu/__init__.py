"""Custom Rasa NLU components of the OCO-wegwijzer."""
