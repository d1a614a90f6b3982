"""The competency framework: versions, areas, competencies, level descriptors, role profiles."""
