"""The LangGraph agent "ChaSen": state, runtime context, prompts and graphs."""
