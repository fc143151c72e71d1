bind = "127.0.0.1:8001"
workers = 2
timeout = 30
accesslog = "-"
errorlog = "-"
