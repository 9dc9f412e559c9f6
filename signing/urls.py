from __future__ import annotations

from django.urls import path

from signing import views, views_ballots, views_dossier, views_notice

urlpatterns = [
    path("signing/", views.home, name="signing_home"),
    path("signing/upload/", views.upload, name="signing_upload"),
    path("signing/documents/<int:document_id>/", views.document_page, name="signing_document"),
    path("signing/documents/<int:document_id>/file", views.document_file, name="signing_document_file"),
    path("signing/documents/<int:document_id>/sign/", views.sign, name="signing_sign"),
    path("signing/documents/<int:document_id>/request/", views.create_request, name="signing_create_request"),
    path("signing/requests/<int:request_id>/", views.request_detail, name="signing_request_detail"),
    path("signing/requests/<int:request_id>/<str:verb>/", views.request_action, name="signing_request_action"),
    path("signing/certificate/", views.certificate, name="signing_certificate"),
    path("signing/certificate/signature.png", views.signature_image, name="signing_signature_image"),
    path("signing/units/", views.unit_certificates, name="signing_units"),
    path("signing/units/<int:unit_id>/seal.png", views.unit_seal_image, name="signing_unit_seal"),
    path("signing/units/<int:unit_id>/<str:verb>/", views.unit_certificate_action, name="signing_unit_action"),
    path("signing/opinions/<int:round_id>/sign/", views.sign_answer, name="signing_sign_answer"),
    path("signing/answers/<int:answer_id>/signed.pdf", views.answer_pdf, name="signing_answer_pdf"),
    path("signing/crl.der", views.crl, name="signing_crl"),
    path("meetings/<int:meeting_id>/minutes/", views.minutes_page, name="signing_minutes"),
    path("meetings/<int:meeting_id>/minutes/preview.pdf", views.minutes_preview, name="signing_minutes_preview"),
    path("meetings/<int:meeting_id>/minutes/<str:verb>/", views.minutes_action, name="signing_minutes_action"),
    path("meetings/<int:meeting_id>/notice/", views_notice.notice_page, name="signing_notice"),
    path("meetings/<int:meeting_id>/notice/preview.pdf", views_notice.notice_preview, name="signing_notice_preview"),
    path("meetings/<int:meeting_id>/notice/notice.pdf", views_notice.notice_pdf, name="signing_notice_pdf"),
    path("meetings/<int:meeting_id>/notice/<str:verb>/", views_notice.notice_action, name="signing_notice_action"),
    path("signing/invitations/<int:invitation_id>/issue/", views.invitation_issue, name="signing_invitation_issue"),
    path("verify/", views.verify_page, name="signing_verify"),
    # --- signed ballots: the results export ---
    path("meetings/<int:meeting_id>/votes/results.json", views_ballots.votes_json, name="signing_votes_json"),
    # --- a meeting's dossier for the archive (fn107) ---
    path("meetings/<int:meeting_id>/dossier.zip", views_dossier.dossier_zip, name="signing_dossier"),
]
