"""Training loops for the model zoo: each is an iterator of events (see ``trainers.events``)."""
