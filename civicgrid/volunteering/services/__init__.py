"""Every change to volunteering is one function here: guard, transaction, audit row; a refusal is a VolunteerRefusal.

Modules: volunteers (register), projects (projects, insurance, activities), signups (apply → approve → check in →
check out, close_forgotten), records (record, confirm, dispute, correct, void), certificates (request → notice →
issue, the .docx).
"""
