"""Every change to volunteering is one function here: guard, transaction, audit row; a refusal is a VolunteerRefusal.

Modules: volunteers (register), projects (teams, projects, insurance, activities), teams (edit a team, its members),
signups (apply → approve → check in → check out, close_forgotten), records (record a sign-up, record_manual for
service outside a signed-up activity, record_for_source for a fulfilled micro-wish; confirm, dispute, correct, void),
certificates (request → notice → issue, the .docx).
"""
