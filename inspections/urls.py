from django.urls import path

from inspections import views

app_name = "inspections"
urlpatterns = [
    path("inspect/", views.inspect, name="inspect"),
    path("inspect/sw.js", views.service_worker, name="service_worker"),
    # a checklist's items for the tablet: the address names the version, its edition and the language
    path(
        "inspect/checklists/<int:pk>/v<int:version>.<int:edition>.<slug:language>.json",
        views.tablet_checklist,
        name="tablet_checklist",
    ),
    # a contract's roster of the day for the tablet's post checks (kept by the tablet for use without network)
    path("inspect/rosters/<int:pk>.<slug:language>.json", views.tablet_roster, name="tablet_roster"),
    path("inspections/", views.inspection_list, name="list"),
    path("inspections/<int:pk>/", views.inspection_detail, name="detail"),
    path("inspections/<int:pk>/amend/", views.inspection_amend, name="amend"),
    path("inspections/items/<int:pk>/", views.item_result_detail, name="item_result"),
    path("rectifications/", views.rectification_list, name="rectifications"),
    path("rectifications/<int:pk>/", views.rectification_detail, name="rectification"),
]

from inspections import views_complaints, views_surveys  # noqa: E402

urlpatterns += [
    path("complaints/new/", views_complaints.complaint_new, name="complaint_new"),
    path("complaints/track/", views_complaints.complaint_track_lookup, name="complaint_lookup"),
    path("complaints/track/<str:code>/", views_complaints.complaint_track, name="complaint_track"),
    path(
        "complaints/track/<str:code>/photos/<int:pk>/",
        views_complaints.complaint_track_photo,
        name="complaint_track_photo",
    ),
    path("complaints/", views_complaints.complaint_queue, name="complaint_queue"),
    path("complaints/<int:pk>/", views_complaints.complaint_detail, name="complaint"),
    path("complaints/qr/", views_complaints.qr_sheet, name="qr_sheet"),
    path("documents/<int:pk>/", views_complaints.document_detail, name="document"),
    path("surveys/", views_surveys.survey_list, name="surveys"),
    path("surveys/<int:pk>/", views_surveys.survey_detail, name="survey"),
    path("s/<str:token>/", views_surveys.survey_answer, name="survey_answer"),
    path("s/p/<str:token>/", views_surveys.survey_public, name="survey_public"),
]

from inspections import views_held  # noqa: E402

urlpatterns += [
    path("complaints/held/", views_held.complaint_held, name="complaint_held"),
]

from inspections import views_desk_public  # noqa: E402

urlpatterns += [
    path("board/", views_desk_public.board, name="board"),
]

from inspections import views_desk  # noqa: E402

urlpatterns += [
    path("desk/", views_desk.desk_queue, name="desk_queue"),
    path("desk/new/", views_desk.desk_intake, name="desk_intake"),
    path("desk/orders/<int:pk>/", views_desk.work_order_detail, name="work_order"),
    path("desk/rounds/<int:pk>/", views_desk.work_order_round, name="work_order_round"),
    path("desk/callbacks/", views_desk.desk_callbacks, name="desk_callbacks"),
]
