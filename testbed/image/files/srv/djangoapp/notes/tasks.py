from celery import shared_task

from notes.models import Note


@shared_task
def count_words(note_id):
    note = Note.objects.get(pk=note_id)
    note.words = len(note.body.split())
    note.save(update_fields=["words"])
    return note.words
