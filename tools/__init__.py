"""Thin LangChain tools over the domain services, used by the agent."""
