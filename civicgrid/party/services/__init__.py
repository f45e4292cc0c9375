"""State changes of the party register: one function per change, each guarded, atomic and audited.

orgs: org_create, org_update, org_dissolve, group_save · grids: party_grid_save · terms: term_start,
term_extend, term_record_change, posts_set · members: member_add, member_update, member_move, member_set_flags,
member_set_status, member_make_full, probation_extend, probation_cancel, member_link_user, id_reveal ·
transfers: transfer_send, transfer_receive, transfer_return · activities: pioneer_post_save/_delete,
shock_team_save/_delete, deployment_save/_delete · meetings: meeting_record, meeting_attachment_add,
appraisal_record.
"""
