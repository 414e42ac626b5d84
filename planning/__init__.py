"""Strategic plans: section schemas, calculations, workflow and the plan-section service."""
