"""Photos: uploads checked and stored privately, claimed by reports and case feedback,
turned into derivatives by a job, and served (derivatives only)."""
