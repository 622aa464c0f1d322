"""The unified customer profile store: CRM, billing, catalogue, usage, network, engagement."""
