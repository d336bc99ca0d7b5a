from django.urls import path

from accounts import views as account_views
from contacts import views as contact_views
from conversations import views as conversation_views
from privacy import views as privacy_views
from review import views as review_views

urlpatterns = [
    path("login/", account_views.LoginView.as_view(), name="login"),
    path("logout/", account_views.LogoutView.as_view(), name="logout"),
    path("", conversation_views.conversation_list, name="conversation_list"),
    path("gesprekken/<int:pk>/", conversation_views.transcript, name="transcript"),
    path("gesprekken/<int:pk>/verwijderen/", conversation_views.delete_conversation, name="delete_conversation"),
    path("gesprekken/<int:pk>/labels/", review_views.add_tag, name="add_tag"),
    path("gesprekken/<int:pk>/labels/<int:tag_id>/verwijderen/", review_views.remove_tag, name="remove_tag"),
    path("gesprekken/<int:pk>/status/", review_views.set_status, name="set_status"),
    path("berichten/<int:turn_id>/markeren/", review_views.flag_turn, name="flag_turn"),
    path("markeringen/<int:flag_id>/verwijderen/", review_views.remove_flag, name="remove_flag"),
    path("berichten/<int:turn_id>/beoordelen/", review_views.annotate_turn, name="annotate_turn"),
    path("beoordelingen/<int:pk>/verwijderen/", review_views.remove_annotation, name="remove_annotation"),
    path("gesprekken/<int:pk>/als-test/", review_views.conversation_test_download, name="conversation_test"),
    path("inbox/", review_views.inbox_page, name="inbox"),
    path("trainingsdata/", review_views.training_page, name="training"),
    path("trainingsdata/downloaden/", review_views.training_download, name="training_download"),
    path("dashboard/", conversation_views.dashboard, name="dashboard"),
    path("beheer/accounts/", account_views.account_list, name="account_list"),
    path("beheer/accounts/<int:pk>/", account_views.account_edit, name="account_edit"),
    path("berichten/<int:turn_id>/onthullen/", privacy_views.reveal_turn, name="reveal_turn"),
    path("export/", privacy_views.export, name="export"),
    path("beheer/auditlog/", privacy_views.audit_log, name="audit_log"),
    path("beheer/verwijderverzoeken/", privacy_views.erasure, name="erasure"),
    path("beheer/verwijderverzoeken/<int:pk>/verwijderen/", privacy_views.erase, name="erase"),
    path("contactverzoeken/", contact_views.contact_list, name="contact_list"),
    path("contactverzoeken/export/", contact_views.export, name="contact_export"),
    path("contactverzoeken/<int:pk>/", contact_views.contact_detail, name="contact_detail"),
    path("contactverzoeken/<int:pk>/afgehandeld/", contact_views.mark_handled, name="contact_handled"),
    path("contactverzoeken/<int:pk>/opnieuw-versturen/", contact_views.resend, name="contact_resend"),
    path("contactverzoeken/<int:pk>/onthullen/", contact_views.reveal, name="contact_reveal"),
    path("contactverzoeken/<int:pk>/verwijderen/", contact_views.delete, name="contact_delete"),
]
