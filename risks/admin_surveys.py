"""Admin for surveys: read-only, since surveys are opened, answered and closed through
risks/services/surveys.py (who may answer, once each, the closing rules). Imported by risks/admin.py.

Answers stay anonymous here too: a response and its scores show no person and no time, and the
participations (who answered) show nothing of what was answered.
"""

from django.contrib import admin

from trains.admin_base import ReadOnlyAdmin, TrainScopedAdmin, related_only

from .models import Survey, SurveyParticipation, SurveyQuestion, SurveyResponse, SurveyScore


@admin.register(Survey)
class SurveyAdmin(ReadOnlyAdmin, TrainScopedAdmin, admin.ModelAdmin):
    train_path = "train"
    list_display = ["title", "kind", "pi", "team", "opened_at", "closes_on", "closed_at"]
    list_filter = ["kind", related_only("train")]
    list_select_related = ["pi", "team"]
    search_fields = ["title"]


@admin.register(SurveyQuestion)
class SurveyQuestionAdmin(ReadOnlyAdmin, TrainScopedAdmin, admin.ModelAdmin):
    train_path = "survey__train"
    list_display = ["text", "survey", "position"]
    list_select_related = ["survey"]
    search_fields = ["text", "survey__title"]


@admin.register(SurveyParticipation)
class SurveyParticipationAdmin(ReadOnlyAdmin, TrainScopedAdmin, admin.ModelAdmin):
    train_path = "survey__train"
    list_display = ["survey", "user"]
    list_select_related = ["survey", "user"]
    search_fields = ["survey__title", "user__username"]


@admin.register(SurveyResponse)
class SurveyResponseAdmin(ReadOnlyAdmin, TrainScopedAdmin, admin.ModelAdmin):
    train_path = "survey__train"
    list_display = ["survey", "comment"]
    list_select_related = ["survey"]
    search_fields = ["survey__title"]


@admin.register(SurveyScore)
class SurveyScoreAdmin(ReadOnlyAdmin, TrainScopedAdmin, admin.ModelAdmin):
    train_path = "response__survey__train"
    list_display = ["question", "score"]
    list_select_related = ["question"]
