from django.urls import path

from inspections import views

app_name = "inspections"
urlpatterns = [
    path("inspect/", views.inspect, name="inspect"),
    path("inspect/sw.js", views.service_worker, name="service_worker"),
    path("inspections/", views.inspection_list, name="list"),
    path("inspections/<int:pk>/", views.inspection_detail, name="detail"),
    path("inspections/<int:pk>/amend/", views.inspection_amend, name="amend"),
    path("inspections/items/<int:pk>/", views.item_result_detail, name="item_result"),
    path("rectifications/", views.rectification_list, name="rectifications"),
    path("rectifications/<int:pk>/", views.rectification_detail, name="rectification"),
]

from inspections import views_voice  # noqa: E402

urlpatterns += [
    path("complaints/new/", views_voice.complaint_new, name="complaint_new"),
    path("complaints/track/", views_voice.complaint_track_lookup, name="complaint_lookup"),
    path("complaints/track/<str:code>/", views_voice.complaint_track, name="complaint_track"),
    path(
        "complaints/track/<str:code>/photos/<int:pk>/", views_voice.complaint_track_photo, name="complaint_track_photo"
    ),
    path("complaints/", views_voice.complaint_queue, name="complaint_queue"),
    path("complaints/<int:pk>/", views_voice.complaint_detail, name="complaint"),
    path("complaints/qr/", views_voice.qr_sheet, name="qr_sheet"),
    path("documents/<int:pk>/", views_voice.document_detail, name="document"),
    path("surveys/", views_voice.survey_list, name="surveys"),
    path("surveys/<int:pk>/", views_voice.survey_detail, name="survey"),
    path("s/<str:token>/", views_voice.survey_answer, name="survey_answer"),
]
