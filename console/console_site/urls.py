from django.urls import path

from accounts import views as account_views
from conversations import views as conversation_views
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
    path("dashboard/", conversation_views.dashboard, name="dashboard"),
    path("beheer/accounts/", account_views.account_list, name="account_list"),
    path("beheer/accounts/<int:pk>/", account_views.account_edit, name="account_edit"),
]
