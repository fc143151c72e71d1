from django.db import models


class Note(models.Model):
    body = models.TextField()
    words = models.IntegerField(null=True)
    created = models.DateTimeField(auto_now_add=True)
