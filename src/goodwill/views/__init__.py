"""Read-side compositions: the people list, a person's page, an organisation's page.
They combine records with the scoring figures; they never write."""
