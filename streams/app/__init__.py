"""The live service on Kafka (architecture §2): the same core, driven by a Faust agent."""
