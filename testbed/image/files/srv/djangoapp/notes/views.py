import json

from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from notes.models import Note
from notes.tasks import count_words


def index(request):
    count = Note.objects.count()
    return HttpResponse(f"<h1>djangoapp</h1><p>{count} notes</p><link rel=stylesheet href=/static/site.css>")


def health(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:
        return JsonResponse({"status": "unhealthy", "error": str(exc).strip().splitlines()[0]}, status=503)
    return JsonResponse({"status": "ok"})


@csrf_exempt
def notes(request):
    if request.method == "POST":
        body = json.loads(request.body or b"{}").get("body", "")
        note = Note.objects.create(body=body)
        count_words.delay(note.id)
        return JsonResponse({"id": note.id}, status=201)
    data = list(Note.objects.order_by("-id").values("id", "body", "words")[:20])
    return JsonResponse(data, safe=False)
